"""The calculated-field expression language (spec §14): parse, print, check, compile."""

from xml_migration.contract.expression.compiler import CompiledExpression, compile_expression
from xml_migration.contract.expression.errors import ExpressionError
from xml_migration.contract.expression.nodes import Node
from xml_migration.contract.expression.parser import parse_expression
from xml_migration.contract.expression.printer import format_expression

__all__ = [
    "CompiledExpression",
    "ExpressionError",
    "Node",
    "compile_expression",
    "format_expression",
    "parse_expression",
]
