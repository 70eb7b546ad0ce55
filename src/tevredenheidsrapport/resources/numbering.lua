--[[
Numbers chapters, sections, figures and tables in document order, so that the numbers
follow whatever sections the data produced: chapter 4 exists only when opdrachtgevers
responded, and everything after it shifts. Used by our renderer (pandoc --lua-filter) and by
Quarto (filters: in _quarto.yml), so both number alike.

  headings           -> "3.2 Title"  (number in a span.secnum, attribute data-number)
  div.rfigure        -> caption "fig. 3.4 ..."  (per chapter)
  div.rtable         -> caption "tabel 2.1 ..." (per chapter)
Headings with class "unnumbered" are left alone. The caption is the div's first child with
class "rcaption"; the number goes in front of it, in a span.rnum.

Before numbering, divs and spans with class "when" are kept only when the condition named in
their "if" attribute is true in the document metadata "tevreden-when" (the report's cells
set it from the data), so narrative that applies only to some providers stays plain markdown
in the .qmd. An unknown condition is an error, not a silent omission.
]]

local counters = { 0, 0, 0, 0, 0, 0 }
local figures, tables = 0, 0

local FIG_PREFIX = "fig."
local TAB_PREFIX = "tabel"

local function has_class(el, name)
  for _, c in ipairs(el.classes) do
    if c == name then return true end
  end
  return false
end

local function section_number(level)
  local parts = {}
  for i = 1, level do parts[#parts + 1] = tostring(counters[i]) end
  return table.concat(parts, ".")
end

local function number_caption(div, prefix, n)
  local number = tostring(counters[1]) .. "." .. tostring(n)
  div.attributes["data-number"] = number
  for _, child in ipairs(div.content) do
    if child.t == "Div" and has_class(child, "rcaption") then
      local label = pandoc.Span({ pandoc.Str(prefix), pandoc.Space(), pandoc.Str(number) }, { class = "rnum" })
      local first = child.content[1]
      if first and (first.t == "Para" or first.t == "Plain") then
        -- the whole caption is strong, so that it stands out in every output format
        local inlines = pandoc.Inlines({ label, pandoc.Space() })
        inlines:extend(first.content)
        first.content = { pandoc.Strong(inlines) }
      else
        child.content:insert(1, pandoc.Plain({ label }))
      end
      break
    end
  end
  return div
end

local function walk_blocks(blocks)
  for i, el in ipairs(blocks) do
    if el.t == "Header" and not has_class(el, "unnumbered") then
      counters[el.level] = counters[el.level] + 1
      for j = el.level + 1, #counters do counters[j] = 0 end
      if el.level == 1 then figures, tables = 0, 0 end
      local number = section_number(el.level)
      el.attributes["data-number"] = number
      el.content:insert(1, pandoc.Space())
      el.content:insert(1, pandoc.Span({ pandoc.Str(number) }, { class = "secnum" }))
      el.classes:insert("unnumbered")
      el.classes:insert("numbered")
    elseif el.t == "Div" and has_class(el, "rfigure") then
      figures = figures + 1
      blocks[i] = number_caption(el, FIG_PREFIX, figures)
    elseif el.t == "Div" and has_class(el, "rtable") then
      tables = tables + 1
      blocks[i] = number_caption(el, TAB_PREFIX, tables)
    elseif el.t == "Div" then
      walk_blocks(el.content)
    end
  end
end

local function condition(el, conditions)
  local name = el.attributes["if"]
  if name == nil then error("class 'when' needs an 'if' attribute") end
  local value = conditions[name]
  if value == nil then error("unknown condition '" .. name .. "' in a 'when' block") end
  return value == true
end

local function filter_conditions(doc)
  local meta = doc.meta["tevreden-when"] or {}
  local conditions = {}
  for k, v in pairs(meta) do conditions[k] = (v == true) end
  local keep = {
    Div = function(el)
      if has_class(el, "when") then
        if condition(el, conditions) then return el.content end
        return {}
      end
    end,
    Span = function(el)
      if has_class(el, "when") then
        if condition(el, conditions) then return el.content end
        return {}
      end
    end,
  }
  return doc:walk(keep)
end

function Pandoc(doc)
  doc = filter_conditions(doc)
  walk_blocks(doc.blocks)
  return doc
end
