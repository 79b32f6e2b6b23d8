"""The compute stand-in's configuration file (INI, read with configparser).

    [DEFAULT]
    bind_host = 127.0.0.1           # where the APIs listen
    bind_port = 28774
    public_url = http://127.0.0.1:28774   # base of links and catalog URLs
    state_dir = /var/lib/lab-compute      # SQLite state, servers' disks, volumes
    host_name = lab-compute               # OS-EXT-SRV-ATTR:host
    boot_seconds = 1                      # BUILD -> ACTIVE after this (and the guest started)
    guest_launcher = process              # process (dev mode) | systemd (lab-guest@<server>)
    guest_unit = lab-guest@%s.service
    plug_device =                         # if set: ip addr add <ip>/32 dev <it> when a guest starts
    extra_listeners =                     # more ports, each serving one API at its root, as
                                          # DevStack's own ports do: 8774=/compute 8776=/volume 9696=/networking
    faults_dir = <state_dir>/faults
    guest_log_dir = <state_dir>/guest-logs   # dev mode: <server id>.log (kept after delete)

    [guest]
    python = /usr/bin/python3
    mysqld = /usr/sbin/mariadbd
    mysql_install_db = /usr/bin/mariadb-install-db
    mysql_user = mysql
    run_dir = <state_dir>/run             # MariaDB sockets (short paths)

    [keystone_authtoken]                  # keystonemiddleware, and the stand-in's own
    ...                                   # session for Glance (same options as any service)

    [network:NAME]                        # one per Neutron network, created at start
    cidr = 127.0.3.0/24
    pool = 127.0.3.100-127.0.3.149        # fixed IPs (or floating IPs when external)
    gateway = 127.0.3.1
    external = false                      # router:external (floating IPs come from it)
    default = true                        # the network of a server created with no nics
    router = true                         # a router interface on its subnet (Trove checks one)

    [flavor:ID]
    name = m1.rd-tiny
    ram = 512
    vcpus = 1
    disk = 0
"""
import configparser
import ipaddress
import os


class Config:
    def __init__(self, path):
        cp = configparser.ConfigParser(interpolation=None)
        if not cp.read(path):
            raise SystemExit("compute stand-in: cannot read config %s" % path)
        self.path = path
        d = cp["DEFAULT"]
        self.bind_host = d.get("bind_host", "127.0.0.1")
        self.bind_port = d.getint("bind_port", 28774)
        self.public_url = d.get("public_url", "http://%s:%d" % (self.bind_host, self.bind_port)).rstrip("/")
        self.state_dir = d.get("state_dir")
        if not self.state_dir:
            raise SystemExit("compute stand-in: state_dir is required")
        self.host_name = d.get("host_name", "lab-compute")
        self.boot_seconds = d.getfloat("boot_seconds", 1.0)
        self.guest_launcher = d.get("guest_launcher", "process")
        if self.guest_launcher not in ("process", "systemd"):
            raise SystemExit("compute stand-in: guest_launcher must be process or systemd")
        self.guest_unit = d.get("guest_unit", "lab-guest@%s.service")
        self.plug_device = d.get("plug_device", "").strip()
        self.extra_listeners = []
        for item in d.get("extra_listeners", "").replace(",", " ").split():
            port, _, prefix = item.partition("=")
            if not port.isdigit() or prefix not in ("/compute", "/volume", "/networking"):
                raise SystemExit("compute stand-in: extra_listeners entries are PORT=/compute|/volume|/networking")
            self.extra_listeners.append((int(port), prefix))
        self.faults_dir = d.get("faults_dir", os.path.join(self.state_dir, "faults"))
        self.guest_log_dir = d.get("guest_log_dir", os.path.join(self.state_dir, "guest-logs"))
        self.log_file = d.get("log_file", "")
        self.debug = d.getboolean("debug", False)
        g = cp["guest"] if cp.has_section("guest") else {}
        self.guest = {
            "python": g.get("python", "/usr/bin/python3"),
            "mysqld": g.get("mysqld", "/usr/sbin/mariadbd"),
            "mysql_install_db": g.get("mysql_install_db", "/usr/bin/mariadb-install-db"),
            "mysql_client": g.get("mysql_client", "/usr/bin/mariadb"),
            "mysql_dump": g.get("mysql_dump", "/usr/bin/mariadb-dump"),
            "mysql_user": g.get("mysql_user", "mysql"),
            "run_dir": g.get("run_dir", os.path.join(self.state_dir, "run")),
            "innodb_buffer_pool_size": g.get("innodb_buffer_pool_size", "16M"),
        }
        self.keystone = {}
        if cp.has_section("keystone_authtoken"):
            self.keystone = {k: v for k, v in cp.items("keystone_authtoken", raw=True) if k not in cp.defaults()}
        self.networks = []
        self.flavors = []
        for sec in cp.sections():
            if sec.startswith("network:"):
                s = cp[sec]
                net = {
                    "name": sec.split(":", 1)[1],
                    "cidr": str(ipaddress.ip_network(s["cidr"], strict=False)),
                    "gateway": s.get("gateway", ""),
                    "external": s.getboolean("external", False),
                    "default": s.getboolean("default", False),
                    "router": s.getboolean("router", not s.getboolean("external", False)),
                }
                start, _, end = s["pool"].partition("-")
                net["pool"] = (start.strip(), end.strip())
                self.networks.append(net)
            elif sec.startswith("flavor:"):
                s = cp[sec]
                self.flavors.append({
                    "id": sec.split(":", 1)[1], "name": s.get("name", sec),
                    "ram": s.getint("ram", 512), "vcpus": s.getint("vcpus", 1),
                    "disk": s.getint("disk", 0), "ephemeral": s.getint("ephemeral", 0),
                })
        if not any(n["default"] for n in self.networks if not n["external"]):
            for n in self.networks:
                if not n["external"]:
                    n["default"] = True
                    break

    def dirs(self):
        for sub in ("servers", "volumes"):
            os.makedirs(os.path.join(self.state_dir, sub), exist_ok=True)
        os.makedirs(self.faults_dir, exist_ok=True)
        os.makedirs(self.guest_log_dir, exist_ok=True)
        os.makedirs(self.guest["run_dir"], exist_ok=True)
