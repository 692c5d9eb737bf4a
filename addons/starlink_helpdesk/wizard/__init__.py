from . import starlink_terminal_swap_wizard
