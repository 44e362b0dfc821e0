-- GET the person record of each NHS number in the file PEOPLE (one per line) in turn, as PATH
-- with %s for the number (env PATH_FORMAT, default "/api/people/%s/timeline").
local people = {}
local i = 0
local token = os.getenv("TOKEN")
local format = os.getenv("PATH_FORMAT") or "/api/people/%s/timeline"

function init(args)
  for line in io.lines(os.getenv("PEOPLE")) do
    if #line > 0 then table.insert(people, line) end
  end
end

function request()
  i = i % #people + 1
  return wrk.format("GET", string.format(format, people[i]), { ["Authorization"] = "Bearer " .. token })
end
