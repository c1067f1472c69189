-- GETs of several paths in turn (one thread: every connection takes the next): wrk ... -s paths.lua -- PATH...
local paths = {}
local next_one = 1

function init(args)
  for i, path in ipairs(args) do
    paths[i] = path
  end
end

request = function()
  local path = paths[next_one]
  next_one = next_one % #paths + 1
  return wrk.format("GET", path)
end
