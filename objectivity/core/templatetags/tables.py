"""Filters of the table template."""

from django import template

from objectivity.core import tables

register = template.Library()
register.filter("cell_text", tables.cell_text)
