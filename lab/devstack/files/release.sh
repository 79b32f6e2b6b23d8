#!/bin/bash
# The Trove release on devstack1 (runs inside it; lab/devstack/README.md):
#
#   release.sh status          installed release, schema revision, what each unit runs
#   release.sh install NAME    install release NAME (zed, 2025.1) the way an
#                              operator gets new code: the code on disk
#                              changes, nothing restarts (/opt/trove/current)
#   release.sh schema-behind   the path Trove supports: 2025.1 installed and
#                              running, its schema one migration behind head
#                              (alembic cee1bcba3541; head is 7ee6154548a6),
#                              made from Trove 18's schema by stamping the
#                              first alembic revision (what Trove 23's
#                              _migrate_legacy_database means to do and
#                              cannot on SQLAlchemy 2) and migrating to there
set -euo pipefail
rel_dir=/opt/trove/releases
cur=/opt/trove/current
say() { printf '[devstack1] %s\n' "$*"; }
die() { printf '[devstack1] ERROR: %s\n' "$*" >&2; exit 1; }
schema() {
  mariadb -uroot -N trove -e "SELECT IFNULL((SELECT CONCAT('alembic ', version_num) FROM alembic_version LIMIT 1), '')" 2>/dev/null |
    grep . || mariadb -uroot -N trove -e "SELECT CONCAT('sqlalchemy-migrate ', version) FROM migrate_version" 2>/dev/null || echo none
}
case "${1:-}" in
  status)
    echo "installed $(basename "$(readlink "$cur")")"
    echo "schema $(schema)"
    for u in apache2 devstack@tr-cond devstack@tr-tmgr; do
      pid=$(systemctl show -p MainPID --value "$u")
      root=none
      [[ $pid != 0 ]] && root=$(readlink "/proc/$pid/root")
      echo "unit $u $(systemctl is-active "$u") pid=$pid root=$root"
    done
    ;;
  install)
    name=${2:?release name}
    [[ -e $rel_dir/$name/usr/bin/python3 ]] || die "no release $name in $rel_dir ($(ls "$rel_dir" | tr '\n' ' '))"
    ln -sfn "releases/$name" "$cur.new"
    mv -T "$cur.new" "$cur"
    say "installed Trove release $name (running services keep their code until restarted)"
    ;;
  schema-behind)
    "$0" install 2025.1
    if ! mariadb -uroot -N trove -e 'SELECT 1 FROM alembic_version' >/dev/null 2>&1; then
      mariadb -uroot trove -e "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,
        CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)); INSERT INTO alembic_version VALUES ('906cffda7b29')"
    fi
    trove-manage --config-file /etc/trove/trove.conf db_upgrade --version cee1bcba3541 >>/var/log/trove/trove-manage.log 2>&1 ||
      die "trove-manage db_upgrade --version cee1bcba3541 failed (/var/log/trove/trove-manage.log)"
    [[ $(schema) == "alembic cee1bcba3541" ]] || die "schema is $(schema), not alembic cee1bcba3541"
    systemctl restart apache2 devstack@tr-cond devstack@tr-tmgr
    say "2025.1 running on schema alembic cee1bcba3541 (one migration behind head 7ee6154548a6)"
    ;;
  *) die "usage: release.sh status | install NAME | schema-behind" ;;
esac
