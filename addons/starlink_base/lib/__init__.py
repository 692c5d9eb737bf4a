"""Pure-Python core of starlink_base (no ``odoo`` import): billing-cycle arithmetic."""
