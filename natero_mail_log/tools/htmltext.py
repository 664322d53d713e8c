# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""HTML <-> text for the forwarded-block parser (lxml 4.9 and 5.x).

``render`` turns HTML into lines of text (block elements and ``<br>`` end a line,
table cells are joined with a space, ``mailto:`` links keep their address) and
remembers, for each line, the node where its text starts, so that
``html_after`` can cut the HTML at the line where a forwarded body begins.
"""

import copy
import html
import re

from lxml import etree

BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
    ]
)
SKIP_TAGS = frozenset(
    ["head", "script", "style", "template", "title", "xml", "noscript"]
)
CELL_TAGS = frozenset(("td", "th"))
_WS_RE = re.compile(r"[ \t\r\n\f\v]+")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_MAX_HTML = 3_000_000


def parse(markup):
    """Parse HTML leniently; the root element, or None when there is none."""
    if not markup or not markup.strip():
        return None
    markup = _XML_DECL_RE.sub("", markup[:_MAX_HTML]).replace("\x00", "")
    parser = etree.HTMLParser(encoding="utf-8", recover=True, no_network=True)
    try:
        return etree.fromstring(markup.encode("utf-8", "replace"), parser)
    except (etree.LxmlError, ValueError):
        return None


class Rendered:
    """Lines of text of an HTML tree, with the node each line starts at."""

    def __init__(self):
        self.lines = []
        self.anchors = []
        self._buf = []
        self._anchor = None
        self._pre = 0

    @property
    def text(self):
        """The rendered text, lines joined with newlines."""
        return "\n".join(self.lines)

    def add(self, text, node, is_tail):
        """Append a text node; ``node``/``is_tail`` locate it in the tree."""
        if not text:
            return
        if self._pre:
            first, *others = text.split("\n")
            self._append(first, node, is_tail)
            for piece in others:
                self.newline(force=True)
                self._append(piece, node, is_tail)
            return
        self._append(_WS_RE.sub(" ", text), node, is_tail)

    def _append(self, text, node, is_tail):
        """Buffer text, remembering where the first visible character sits."""
        if self._anchor is None and text.strip():
            self._anchor = (node, is_tail)
        self._buf.append(text)

    def newline(self, force=False):
        """End the current line (an empty buffer only ends a line if forced)."""
        line = "".join(self._buf)
        if not force and not line.strip(" "):
            self._buf = []
            return
        self.lines.append(line.strip())
        self.anchors.append(self._anchor)
        self._buf, self._anchor = [], None

    def open(self, node):
        """Start of an element."""
        tag = node.tag
        if tag in BLOCK_TAGS:
            self.newline()
        elif tag in CELL_TAGS:
            self._buf.append(" ")
        if tag == "pre":
            self._pre += 1
        self.add(node.text, node, False)

    def close(self, node):
        """End of an element, then its tail."""
        tag = node.tag
        if tag == "br":
            self.newline(force=True)
        elif tag in BLOCK_TAGS:
            self.newline()
        if tag == "pre":
            self._pre -= 1
        if tag == "a":
            self._mailto(node)
        self.add(node.tail, node, True)

    def _mailto(self, node):
        """Show a mailto link's address when its text does not."""
        href = (node.get("href") or "").strip()
        if href[:7].lower() == "mailto:" and "@" not in "".join(node.itertext()):
            address = href[7:].split("?")[0].strip()
            self._buf.append(f" <{address}>")


def render(root):
    """Render a parsed tree (see ``parse``) into a ``Rendered``."""
    out = Rendered()
    if root is None:
        return out
    stack = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if not isinstance(node.tag, str):
            out.add(node.tail, node, True)
            continue
        if closing:
            out.close(node)
            continue
        if node.tag.lower() in SKIP_TAGS:
            out.add(node.tail, node, True)
            continue
        out.open(node)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    out.newline()
    return out


def view(markup):
    """(root, Rendered) of an HTML string (root None when there is no HTML)."""
    root = parse(markup) if markup else None
    return root, render(root)


def to_text(markup):
    """Plain text of an HTML string."""
    return render(parse(markup)).text


def _path(root, node):
    """Child indexes from ``root`` down to ``node``."""
    path = []
    while node is not root and node is not None:
        parent = node.getparent()
        if parent is None:
            return None
        path.append(parent.index(node))
        node = parent
    return list(reversed(path)) if node is root else None


def _follow(root, path):
    """The node at ``path`` under ``root``."""
    node = root
    for index in path:
        node = node[index]
    return node


def html_after(root, anchor):
    """HTML of everything from ``anchor`` (a ``Rendered`` anchor) to the end.

    Works on a copy: the nodes before the anchor are removed, the anchor's
    ancestors are kept (so the body keeps its enclosing formatting).
    """
    if root is None or anchor is None:
        return ""
    node, is_tail = anchor
    path = _path(root, node)
    if path is None:
        return ""
    root = copy.deepcopy(root)
    node = _follow(root, path)
    parent = node.getparent()
    if is_tail and parent is not None:
        tail, node.tail = node.tail, None
        _drop_before(node, keep=False)
        parent.text = tail
        node = parent
    else:
        _drop_before(node, keep=True)
    while node.getparent() is not None:
        _drop_before(node, keep=True)
        node = node.getparent()
    return inner_html(_body_of(root))


def _drop_before(node, keep):
    """Remove the siblings before ``node`` (and ``node`` unless ``keep``)."""
    parent = node.getparent()
    if parent is None:
        return
    for sibling in list(node.itersiblings(preceding=True)):
        parent.remove(sibling)
    parent.text = None
    if not keep:
        parent.remove(node)


def _body_of(root):
    """The <body> element of a tree, or the root."""
    body = root.find(".//body")
    return body if body is not None else root


def inner_html(node):
    """Serialise the content of ``node`` (not the node itself)."""
    parts = [html.escape(node.text or "", quote=False)]
    for child in node:
        parts.append(etree.tostring(child, method="html", encoding="unicode"))
    return "".join(parts).strip()


def text_to_html(text):
    """Escape plain text into HTML paragraphs with ``<br>`` line breaks."""
    paragraphs = re.split(r"\n\s*\n", (text or "").strip())
    out = []
    for paragraph in paragraphs:
        if paragraph.strip():
            lines = [html.escape(line) for line in paragraph.split("\n")]
            out.append("<p>" + "<br>".join(lines) + "</p>")
    return "".join(out)
