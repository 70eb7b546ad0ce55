--[[
A custom Pandoc writer: the pages of one numbered report from a single reading of its
markdown (pandoc -f markdown -t pages.lua --lua-filter numbering.lua). Our renderer reads
the document once and needs three things of it: the HTML page, the Typst source of the PDF
and the outline (numbered headings, figures and tables, for the sidecar). Writing them here,
in the process that parsed the document, spares two more Pandoc runs and the AST passed
between them as JSON.

Output: one JSON object {"html": ..., "typst": ..., "outline": [...]}; a page not asked for
(metadata "tevreden-pages": "html", "pdf" or "html,pdf") is an empty string.

- html: Pandoc's html5 writer with report.html (standalone, no wrapping, a table of
  contents two levels deep), the title from the metadata "tevreden-pagetitle", and the
  first cell of every table row a row header (th scope="row").
- typst: Pandoc's Typst writer with report.typ, after two changes the writer cannot make:
  every image becomes raw Typst that carries its alt text (the writer drops it, and PDF/UA
  needs it on every figure), with the figure's numbered caption as the caption of a Typst
  figure; and a paragraph right before a figure or table is kept on the page of it (a
  sticky block: with the heading, which Typst keeps with what follows, no intro ends a page
  alone).
- outline: {type = "heading", level, number, title} for every numbered heading and
  {type = "figure" | "table", id, number} for every figure and table, in document order.

Both writers get the --variable values of this run (the colour tokens of the templates).
]]

local RESOURCES = pandoc.path.directory(PANDOC_SCRIPT_FILE)

local function template(name)
  local path = pandoc.path.join({ RESOURCES, name })
  local file = assert(io.open(path, "r"))
  local text = file:read("a")
  file:close()
  return pandoc.template.compile(text, path)
end

local function has_class(attr, name)
  for _, c in ipairs(attr.classes) do
    if c == name then return true end
  end
  return false
end

--- The plain text of inlines, as the outline and the alt texts need it: words and spaces,
--- formatting and links left out (their text kept), quotation marks not added.
local function plain(inlines)
  local out = {}
  for _, el in ipairs(inlines) do
    local t = el.t
    if t == "Str" then
      out[#out + 1] = el.text
    elseif t == "Space" or t == "SoftBreak" or t == "LineBreak" then
      out[#out + 1] = " "
    elseif t == "Emph" or t == "Strong" or t == "Underline" or t == "SmallCaps" or t == "Strikeout"
        or t == "Span" or t == "Link" or t == "Quoted" then
      out[#out + 1] = plain(el.content)
    elseif t == "Code" then
      out[#out + 1] = el.text
    end
  end
  return table.concat(out)
end

-- the outline ------------------------------------------------------------------------------
local function outline(blocks, found)
  for _, el in ipairs(blocks) do
    if el.t == "Header" then
      if has_class(el.attr, "numbered") then
        local title = plain(el.content)
        found[#found + 1] = {
          type = "heading",
          level = el.level,
          number = el.attributes["data-number"],
          title = title:match("^[^ ]* (.*)$") or title,
        }
      end
    elseif el.t == "Div" then
      local kind = has_class(el.attr, "rfigure") and "figure"
        or has_class(el.attr, "rtable") and "table" or nil
      if kind then
        found[#found + 1] = {
          type = kind,
          id = el.identifier:match("^[^-]*%-(.*)$") or el.identifier,
          number = el.attributes["data-number"],
        }
      else
        outline(el.content, found)
      end
    end
  end
  return found
end

-- the Typst source -------------------------------------------------------------------------
--- A Typst string literal: shown literally, never interpreted as markup (md.typst_string).
--- Hidden characters and Unicode spaces never reach it: the renderer wrote every alt text
--- and path with md.escape, which drops the one and makes the other plain spaces.
local function typst_string(text)
  local s = text:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", "")
  return '"' .. s:gsub("\\", "\\\\"):gsub('"', '\\"') .. '"'
end

local function raw(text)
  return pandoc.RawBlock("typst", text)
end

local function is_float(block)
  return block.t == "Div" and (has_class(block.attr, "rfigure") or has_class(block.attr, "rtable"))
end

local function image(el)
  local width = el.attributes["width"] or "100%"
  if not (width:match("^%d+%%$") or width:match("^%d+%.%d+%%$")) then width = "100%" end
  return pandoc.RawInline(
    "typst",
    "#box(image(" .. typst_string(el.src) .. ", width: " .. width .. ", alt: "
      .. typst_string(plain(el.caption)) .. "))"
  )
end

--- Our caption Div of a figure or table made the caption of the Typst figure: a table's
--- through Pandoc's table caption, an image's by raw Typst around the caption and image.
local FIGURE_OPEN = "#figure(kind: image, caption: figure.caption(position: top)["

local function captioned(div)
  local at
  for i, b in ipairs(div.content) do
    if b.t == "Div" and has_class(b.attr, "rcaption") then at = i break end
  end
  if at == nil then return div end
  local caption = div.content[at].content
  local rest = pandoc.Blocks({})
  for i, b in ipairs(div.content) do
    if i ~= at then rest:insert(b) end
  end
  for i, b in ipairs(rest) do
    if b.t == "Table" then
      b.caption = { long = caption }
      div.content = rest
      return div
    end
    if b.t == "Para" then
      local has_raw = false
      for _, x in ipairs(b.content) do
        if x.t == "RawInline" then has_raw = true break end
      end
      if has_raw then
        local out = pandoc.Blocks({})
        for j = 1, i - 1 do out:insert(rest[j]) end
        out:insert(raw(FIGURE_OPEN))
        out:extend(caption)
        out:insert(raw("])["))
        out:insert(b)
        out:insert(raw("]"))
        for j = i + 1, #rest do out:insert(rest[j]) end
        div.content = out
        return div
      end
    end
  end
  return div
end

local function sticky(blocks)
  local out = pandoc.Blocks({})
  for i, b in ipairs(blocks) do
    local nxt = blocks[i + 1]
    if b.t == "Para" and nxt ~= nil and is_float(nxt) then
      out:insert(raw("#block(sticky: true)["))
      out:insert(b)
      out:insert(raw("]"))
    else
      out:insert(b)
    end
  end
  return out
end

-- One walk: Pandoc's typewise traversal changes every image first, then every Div (whose
-- image is raw Typst by then), then every list of blocks.
local function for_typst(doc)
  return doc:walk({
    Image = image,
    Div = function(el)
      if is_float(el) then return captioned(el) end
    end,
    Blocks = sticky,
  })
end

--- Every table of a report names its rows in its first column (blocks.Table): in HTML those
--- cells are row headers (th scope="row"), and the header row's cells column headers. (The
--- PDF gets its row headers in its tags, pdftags.py: Pandoc's Typst writer has none.)
local function headed(tbl)
  for _, row in ipairs(tbl.head.rows) do
    for _, cell in ipairs(row.cells) do cell.attributes.scope = "col" end
  end
  for _, body in ipairs(tbl.bodies) do
    body.row_head_columns = 1
    for _, row in ipairs(body.body) do
      if #row.cells > 0 then row.cells[1].attributes.scope = "row" end
    end
  end
  return tbl
end

-- the writer -------------------------------------------------------------------------------
function Writer(doc, opts)
  local asked = pandoc.utils.stringify(doc.meta["tevreden-pages"] or "html,pdf")
  local title = doc.meta["tevreden-pagetitle"]
  doc.meta["tevreden-pages"] = nil
  doc.meta["tevreden-pagetitle"] = nil
  local result = { html = "", typst = "", outline = outline(doc.blocks, {}) }
  if asked:find("pdf") then
    result.typst = pandoc.write(for_typst(doc), "typst", {
      template = template("report.typ"),
      variables = opts.variables,
    })
  end
  if asked:find("html") then
    doc.meta.pagetitle = title
    result.html = pandoc.write(doc:walk({ Table = headed }), "html5", {
      template = template("report.html"),
      variables = opts.variables,
      wrap_text = "none",
      table_of_contents = true,
      toc_depth = 2,
    })
  end
  return pandoc.json.encode(result)
end
