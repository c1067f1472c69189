-- New realized trainings, each for a fresh owner so none is a duplicate: wrk ... -s post_realized.lua -- PATH TRAINING BASE
function init(args)
  path, training, owner = args[1], args[2], tonumber(args[3])
  wrk.headers["Content-Type"] = "application/json"
end
request = function()
  owner = owner + 1
  local body = string.format(
    '{"ownerId":%d,"trainingId":%s,"sessionStartsOn":"2025-01-03","sessionEndsOn":"2025-01-04","durationInHours":2.5}',
    owner, training)
  return wrk.format("POST", path, nil, body)
end
