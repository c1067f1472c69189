-- First page filtered by one random owner: wrk ... -s by_owner.lua -- PATH OWNERS
function init(args)
  path, owners = args[1], tonumber(args[2])
  math.randomseed(os.time())
end
request = function()
  return wrk.format("GET", path .. "?ownerIds=" .. math.random(1, owners))
end
