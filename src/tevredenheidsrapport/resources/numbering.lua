--[[
Conditional content, numbering and chapter references, in that order. Used by our renderer
(pandoc --lua-filter) and by Quarto (filters: in _quarto.yml), so both number alike.

1. Conditional content, with Quarto's own syntax: divs and spans with class
   "content-visible" (or "content-hidden") and a "when-meta" (or "unless-meta") attribute
   naming a metadata key, dotted for nested keys ("tevreden.opdrachtgevers"). The report's
   first cell sets these keys from the data, so narrative that applies only to some
   providers stays plain markdown in the .qmd. Under Quarto, Quarto has already resolved
   them; here an unknown key is an error, not a silent omission. Format conditions
   ("when-format") are Quarto's to resolve: our renderer shares one document between HTML
   and PDF, so it refuses them.
2. Numbering in document order, so that the numbers follow whatever sections the data
   produced: chapter 4 exists only when opdrachtgevers responded, and everything after it
   shifts.
     headings      -> "3.2 Title"  (number in a span.secnum, attribute data-number)
     div.rfigure   -> caption "fig. 3.4 ..."  (per chapter)
     div.rtable    -> caption "tabel 2.1 ..." (per chapter)
   Headings with class "unnumbered" are left alone. The caption is the div's first child
   with class "rcaption"; the number goes in front of it, in a span.rnum. The prefixes come
   from the metadata "tevreden-prefix" (figure, table), set by the report's first cell.
3. Chapter references: a span with class "chapter-ref" and a "target" attribute (the
   identifier of a heading) becomes that heading's number, so the text never states a
   chapter number of its own.
]]

local counters = { 0, 0, 0, 0, 0, 0 }
local figures, tables = 0, 0
local prefixes = {}
local numbers = {} -- heading identifier -> number

local function has_class(el, name)
  for _, c in ipairs(el.classes) do
    if c == name then return true end
  end
  return false
end

-- 1. conditional content ------------------------------------------------------------------
local function meta_value(meta, path)
  local value = meta
  for key in string.gmatch(path, "[^.]+") do
    if type(value) ~= "table" then return nil end
    value = value[key]
  end
  return value
end

local function condition_holds(el, meta)
  local attrs = el.attributes
  if attrs["when-format"] or attrs["unless-format"] then
    error("'when-format' and 'unless-format' are resolved by Quarto, not by this filter")
  end
  local key = attrs["when-meta"] or attrs["unless-meta"]
  if key == nil then error("a conditional block needs 'when-meta' or 'unless-meta'") end
  local value = meta_value(meta, key)
  if value == nil then error("unknown metadata key '" .. key .. "' in a conditional block") end
  local truthy = value == true
  if attrs["when-meta"] then return truthy end
  return not truthy
end

local function filter_conditions(doc)
  local function keep(el)
    local visible = has_class(el, "content-visible")
    if not visible and not has_class(el, "content-hidden") then return nil end
    local holds = condition_holds(el, doc.meta)
    if holds == visible then return el.content end
    return {}
  end
  return doc:walk({ Div = keep, Span = keep })
end

-- 2. numbering ------------------------------------------------------------------------------
local function section_number(level)
  local parts = {}
  for i = 1, level do parts[#parts + 1] = tostring(counters[i]) end
  return table.concat(parts, ".")
end

local function prefix(kind)
  local value = prefixes[kind]
  if value == nil then error("metadata 'tevreden-prefix." .. kind .. "' is not set") end
  return value
end

local function number_caption(div, kind, n)
  local number = tostring(counters[1]) .. "." .. tostring(n)
  div.attributes["data-number"] = number
  for _, child in ipairs(div.content) do
    if child.t == "Div" and has_class(child, "rcaption") then
      local label = pandoc.Span({ pandoc.Str(prefix(kind)), pandoc.Space(), pandoc.Str(number) }, { class = "rnum" })
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
      if el.identifier ~= "" then numbers[el.identifier] = number end
      el.attributes["data-number"] = number
      el.content:insert(1, pandoc.Space())
      el.content:insert(1, pandoc.Span({ pandoc.Str(number) }, { class = "secnum" }))
      el.classes:insert("unnumbered")
      el.classes:insert("numbered")
    elseif el.t == "Div" and has_class(el, "rfigure") then
      figures = figures + 1
      blocks[i] = number_caption(el, "figure", figures)
    elseif el.t == "Div" and has_class(el, "rtable") then
      tables = tables + 1
      blocks[i] = number_caption(el, "table", tables)
    elseif el.t == "Div" then
      walk_blocks(el.content)
    end
  end
end

-- 3. chapter references ---------------------------------------------------------------------
local function resolve_references(doc)
  return doc:walk({
    Span = function(el)
      if not has_class(el, "chapter-ref") then return nil end
      local target = el.attributes["target"]
      local number = target and numbers[target]
      if number == nil then error("chapter reference to unknown heading '" .. tostring(target) .. "'") end
      return pandoc.Str(number)
    end,
  })
end

function Pandoc(doc)
  for kind, value in pairs(doc.meta["tevreden-prefix"] or {}) do
    prefixes[kind] = pandoc.utils.stringify(value)
  end
  doc = filter_conditions(doc)
  walk_blocks(doc.blocks)
  return resolve_references(doc)
end
