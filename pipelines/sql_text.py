"""Quoting for the few names and texts the project writes into SQL text (catalogue names, comments, paths)."""


def sql_literal(text: str) -> str:
    """A SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def sql_ident(*parts: str) -> str:
    """A quoted, dotted identifier: sql_ident('marts', 'dim_task') -> "marts"."dim_task"."""
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)
