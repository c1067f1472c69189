-- GET PREFIX{id} for random ids from FIRST to LAST: wrk ... -s get_by_id.lua -- PREFIX FIRST LAST
function init(args)
  prefix, first, last = args[1], tonumber(args[2]), tonumber(args[3])
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
end
request = function()
  return wrk.format("GET", prefix .. math.random(first, last))
end
