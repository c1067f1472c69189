-- New trainings of the catalog, with a provider and a category: wrk ... -s post_training.lua -- PATH PROVIDER CATEGORY BASE
function init(args)
  path, provider, category, number = args[1], args[2], args[3], tonumber(args[4])
  wrk.headers["Content-Type"] = "application/json"
end
request = function()
  number = number + 1
  local body = string.format(
    '{"title":"Bench training %d","subtitle":"Written by wrk","description":"A training created under load.",' ..
    '"level":"Middle","isCertifying":false,"isMandatory":true,"providerId":%s,"categoryId":%s}',
    number, provider, category)
  return wrk.format("POST", path, nil, body)
end
