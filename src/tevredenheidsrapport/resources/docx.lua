--[[
Maps the report's markdown conventions onto Word, for Pandoc's docx writer only; runs on the
document numbering.lua has numbered. The styles are those of reference.docx (made by
scripts/make_reference_docx.py):

  div.rcaption in div.rfigure / div.rtable -> paragraph style "Figure Caption" / "Table Caption"
  span.rnum (the number numbering.lua put in front of a caption) -> character style "Caption Number"
  the image paragraph of div.rfigure   -> "Figure" (kept with its caption and source line)
  div.rsource / div.rnote / div.rsuppressed -> "Source" / "Note" / "Suppressed"
  div.disclaimer                        -> "Disclaimer", on a page of its own

Blocks that already name a custom-style are left alone. The table of contents (a Word TOC
field, titled by the metadata "toc-title") goes before the first heading, that is after the
cover, the summary and the disclaimer, as in the PDF; Pandoc's own --toc would put it before
the cover. Its entries are written out already (linked to the headings, page numbers as
PAGEREF fields), so the contents reads even before Word updates the field. Metadata other
than the title and the language is dropped: the docx writer would store every key as a custom
document property.
]]

local STYLE_OF_CLASS = {
  rsource = "Source",
  rnote = "Note",
  rsuppressed = "Suppressed",
  disclaimer = "Disclaimer",
}
local CAPTION_STYLE = { rfigure = "Figure Caption", rtable = "Table Caption" }
local KEEP_META = { title = true, lang = true }
local PAGE_BREAK = pandoc.RawBlock("openxml", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

local function has_class(el, name)
  for _, c in ipairs(el.classes) do
    if c == name then return true end
  end
  return false
end

local function styled(blocks, style)
  return pandoc.Div(blocks, { ["custom-style"] = style })
end

local NUMBER_STYLE = {
  Span = function(span)
    if has_class(span, "rnum") and not span.attributes["custom-style"] then
      span.attributes["custom-style"] = "Caption Number"
      return span
    end
  end,
}

-- a figure or a table: its caption, its image paragraph
local function float(div, kind)
  for i, child in ipairs(div.content) do
    if child.t == "Div" and has_class(child, "rcaption") and not child.attributes["custom-style"] then
      child.attributes["custom-style"] = CAPTION_STYLE[kind]
      child.content = child.content:walk(NUMBER_STYLE)
    elseif kind == "rfigure" and (child.t == "Para" or child.t == "Plain") and #child.content == 1
        and child.content[1].t == "Image" then
      div.content[i] = styled({ pandoc.Para(child.content) }, "Figure")
    end
  end
  return div
end

local function map_div(div)
  if div.attributes["custom-style"] then return nil end
  for kind, _ in pairs(CAPTION_STYLE) do
    if has_class(div, kind) then return float(div, kind) end
  end
  for class, style in pairs(STYLE_OF_CLASS) do
    if has_class(div, class) then
      div.attributes["custom-style"] = style
      if class == "disclaimer" then return { PAGE_BREAK, div } end
      return div
    end
  end
end

-- ---- table of contents -------------------------------------------------------------------
local function xml_escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

local function run(text)
  return '<w:r><w:t xml:space="preserve">' .. xml_escape(text) .. "</w:t></w:r>"
end

local function field(kind, attrs)
  return '<w:r><w:fldChar w:fldCharType="' .. kind .. '"' .. (attrs or "") .. "/></w:r>"
end

-- the TOC field; "dirty": Word fills in the page numbers when it opens the document
local TOC_BEGIN = field("begin", ' w:dirty="true"')
  .. '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>'
  .. field("separate")

local function instr(text)
  return '<w:r><w:instrText xml:space="preserve">' .. text .. "</w:instrText></w:r>"
end

local function headings(blocks, depth, found)
  for _, el in ipairs(blocks) do
    if el.t == "Header" and el.level <= depth then
      found[#found + 1] = el
    elseif el.t == "Div" then
      headings(el.content, depth, found)
    end
  end
  return found
end

local function toc_entry(h, first, last)
  local p = { '<w:p><w:pPr><w:pStyle w:val="TOC' .. h.level .. '"/></w:pPr>' }
  if first then
    p[#p + 1] = TOC_BEGIN
  end
  local text = pandoc.utils.stringify(h.content)
  if h.identifier ~= "" then
    local id = xml_escape(h.identifier)
    p[#p + 1] = '<w:hyperlink w:anchor="' .. id .. '" w:history="1">' .. run(text)
      .. "<w:r><w:tab/></w:r>" .. field("begin") .. instr(" PAGEREF " .. id .. " \\h ")
      .. field("separate") .. field("end") .. "</w:hyperlink>"
  else
    p[#p + 1] = run(text)
  end
  if last then p[#p + 1] = field("end") end
  p[#p + 1] = "</w:p>"
  return table.concat(p)
end

local function toc(doc, title)
  local found = headings(doc.blocks, 2, {})
  local xml = {
    '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>',
    "<w:docPartUnique/></w:docPartObj></w:sdtPr><w:sdtContent>",
    '<w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr>' .. run(title) .. "</w:p>",
  }
  if #found == 0 then
    xml[#xml + 1] = "<w:p>" .. TOC_BEGIN .. field("end") .. "</w:p>"
  end
  for i, h in ipairs(found) do
    xml[#xml + 1] = toc_entry(h, i == 1, i == #found)
  end
  xml[#xml + 1] = "</w:sdtContent></w:sdt>"
  return pandoc.RawBlock("openxml", table.concat(xml))
end

local function contains_header(el)
  if el.t == "Header" then return true end
  if el.t == "Div" then
    for _, child in ipairs(el.content) do
      if contains_header(child) then return true end
    end
  end
  return false
end

local function insert_toc(doc, title)
  local at = #doc.blocks + 1
  for i, el in ipairs(doc.blocks) do
    if contains_header(el) then
      at = i
      break
    end
  end
  doc.blocks:insert(at, toc(doc, title))
end

function Pandoc(doc)
  local title = doc.meta["toc-title"] and pandoc.utils.stringify(doc.meta["toc-title"]) or ""
  -- raw blocks of other formats (html, typst) the docx writer would drop anyway
  doc = doc:walk({ RawBlock = function(b) if b.format ~= "openxml" then return {} end end })
  doc = doc:walk({ Div = map_div })
  local first = doc.blocks[1]
  if first and first.t == "RawBlock" and first.text == PAGE_BREAK.text then
    doc.blocks:remove(1) -- nothing before it
  end
  insert_toc(doc, title)
  for key, _ in pairs(doc.meta) do
    if not KEEP_META[key] then doc.meta[key] = nil end
  end
  return doc
end
