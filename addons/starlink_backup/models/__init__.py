from . import db_backup
