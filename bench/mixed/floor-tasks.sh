mkdir -p /etc/rb-bench && chmod 0755 /etc/rb-bench
---
c=$(printf '# managed by the bench\nname = %s\nport = 8779' "$H"); [ "$(cat /etc/rb-bench/app.conf 2>/dev/null)" = "$c" ] || { printf '%s\n' "$c" > /etc/rb-bench/.app.conf.t && chmod 0640 /etc/rb-bench/.app.conf.t && mv /etc/rb-bench/.app.conf.t /etc/rb-bench/app.conf; }
---
grep -qx 'debug = false' /etc/rb-bench/app.ini 2>/dev/null || printf '[DEFAULT]\ndebug = false\n' > /etc/rb-bench/app.ini
---
grep -qx '10.0.0.1 controller' /etc/rb-bench/hosts 2>/dev/null || echo '10.0.0.1 controller' >> /etc/rb-bench/hosts
---
[ -e /etc/rb-bench/initialized ] || touch /etc/rb-bench/initialized
---
systemctl is-active -q rb-disabled || systemctl start rb-disabled
