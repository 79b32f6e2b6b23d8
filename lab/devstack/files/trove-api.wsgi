# mod_wsgi entry of Trove's API (DevStack copies trove/cmd/app.wsgi to
# /var/www/trove; Debian's python3-trove ships it as trove.cmd.app_wsgi).
from trove.cmd.app_wsgi import application  # noqa: F401
