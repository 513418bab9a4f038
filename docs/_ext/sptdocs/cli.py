"""``.. spt-cli::`` — the command-line reference, read from the live argument parser.

The parser is :func:`iscsitgt_spt.cli.build_parser`, which only lists subcommands whose
module exists, so the page always shows the commands of the installed version.  Each
subcommand becomes a section (label ``cli-<name>``) with its usage line, description and one
row per argument: the option strings, the metavar/choices, the default and the help text
(``%(default)s`` expanded by argparse's own formatter).

The prose (descriptions and help texts) is given to the site's gettext pipeline like a
page's own paragraphs (see :func:`_prose`), so the translated sites show it translated; option
names, metavars, choices and defaults are left out of the catalogs.

Help texts are plain text written for a terminal: ```...``` quotes a command, and option
names (``--fail-on``, ``-o``) appear bare.  Both become literal nodes here
(:func:`~iscsitgt_spt.cli.sphinxext.nodes_util.inline_text`), so they are shown as code, copy
as typed, and Sphinx's smart quotes never turn ``--`` into a dash.
"""

from __future__ import annotations

import argparse
import importlib

from docutils import nodes
from iscsitgt_spt.cli.sphinxext.nodes_util import (
    Cell,
    inline_text,
    make_table,
    para,
    register_label,
)
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective

__all__ = ["CliDirective", "LiteralOptionNames"]

#: The class of the CLI reference's prose paragraphs (descriptions, help texts).
PROSE = "spt-cli-prose"

def _subcommands(
    parser: argparse.ArgumentParser,
) -> list[tuple[str, argparse.ArgumentParser, str]]:
    """(name, parser, one-line help) of every subcommand, in ``--help`` order."""
    for action in parser._actions:  # argparse offers no public walk over subparsers
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            return [(name, sub, helps.get(name, "")) for name, sub in action.choices.items()]
    return []


def _prose(text: str) -> nodes.paragraph:
    """A paragraph the gettext builder extracts (its source is set in :class:`CliDirective`);
    its option names and quoted commands literal (the raw text is what is translated)."""
    return nodes.paragraph(text, "", *inline_text(text), classes=[PROSE])


class LiteralOptionNames(SphinxTransform):
    """After a translation replaced a CLI paragraph's text (the i18n transform parses the
    catalog's text as reST), its option names and quoted commands become literal again,
    before smart quotes would turn ``--`` into a dash: every language shows the same code."""

    default_priority = 100  # after sphinx.transforms.i18n.Locale (20), before SmartQuotes

    def apply(self, **kwargs: object) -> None:
        for paragraph in list(self.document.findall(nodes.paragraph)):
            if PROSE not in paragraph["classes"]:
                continue
            for quoted in list(paragraph.findall(nodes.title_reference)):
                quoted.replace_self(nodes.literal("", quoted.astext()))
            for text in list(paragraph.findall(nodes.Text)):
                if isinstance(text.parent, nodes.literal):
                    continue
                parts = inline_text(str(text))
                if len(parts) > 1 or not isinstance(parts[0], nodes.Text):
                    text.parent.replace(text, parts)


def _help_of(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    if not action.help or action.help == argparse.SUPPRESS:
        return ""
    formatter = parser._get_formatter()
    return formatter._expand_help(action)


def _argument_rows(parser: argparse.ArgumentParser) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            names = ", ".join(action.option_strings)
        else:
            names = str(action.metavar or action.dest)
        value = ""
        if action.nargs != 0:
            if action.choices is not None:
                value = "{" + ", ".join(str(c) for c in action.choices) + "}"
            elif action.option_strings:
                value = str(action.metavar or action.dest.upper())
            if action.nargs in ("*", "+", "?"):
                value += {"*": " ...", "+": " [...]", "?": " (optional)"}[str(action.nargs)]
        default = ""
        if action.default not in (None, argparse.SUPPRESS, False) and action.nargs != 0:
            default = repr(action.default) if isinstance(action.default, str) else str(
                action.default)
        rows.append([nodes.literal("", names), nodes.literal("", value) if value else "",
                     nodes.literal("", default) if default else "",
                     _prose(_help_of(parser, action))])
    return rows


def _parser_body(parser: argparse.ArgumentParser, summary: str = "") -> list[nodes.Node]:
    out: list[nodes.Node] = []
    usage = parser.format_usage().strip()
    out.append(nodes.literal_block(usage, usage, language="text", classes=["spt-usage"]))
    if parser.description or summary:
        out.append(_prose(parser.description or summary))
    rows = _argument_rows(parser)
    if rows:
        out.append(make_table(["Argument", "Value", "Default", "Meaning"], rows,
                              widths=[22, 20, 10, 48], classes=["spt-cli"],
                              col_classes=["spt-col-arg", "spt-col-value", "spt-col-default",
                                           "spt-col-help"]))
    if parser.epilog:
        out.append(nodes.literal_block(parser.epilog, parser.epilog, language="text"))
    return out


class CliDirective(SphinxDirective):
    """The whole CLI: global options, then one section per subcommand."""

    def run(self) -> list[nodes.Node]:
        cli = importlib.import_module("iscsitgt_spt.cli")
        parser: argparse.ArgumentParser = cli.build_parser()
        out: list[nodes.Node] = _parser_body(parser)
        commands = _subcommands(parser)
        if not commands:
            out.append(para("No subcommands are installed."))
        for name, sub, summary in commands:
            section = nodes.section()
            register_label(self.state.document, f"cli-{name}", section)
            section += nodes.title("", f"iscsitgt-spt {name}")
            section.extend(_parser_body(sub, summary))
            out.append(section)
        source, line = self.get_source_info()
        for top in out:
            for node in top.findall(nodes.paragraph):
                if node.rawsource and not node.source:
                    node.source, node.line = source, line
        return out
