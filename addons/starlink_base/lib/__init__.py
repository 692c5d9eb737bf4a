"""Pure-Python core of starlink_base (no ``odoo`` import): billing cycles, usage rules."""
