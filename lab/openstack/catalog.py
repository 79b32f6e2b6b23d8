#!/usr/bin/python3
"""Register the lab's services, endpoints, projects, users and roles in Keystone.

One process, keystoneclient v3 over a keystoneauth session (the openstack CLI
costs ~3 s a call). Idempotent: everything is found first, created if missing.
Reads its inputs from the environment; prints a JSON summary on stdout.
lab/openstack registers Glance and Trove (GLANCE_URL, TROVE_URL);
lab/devstack passes LAB_ENDPOINTS, a JSON list of [type, name, url] for every
service of its catalog, and LAB_SERVICE_USERS, a JSON object of more service
users (name: password, admin in project service).
"""
import json
import os
import sys

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client as ks_client

E = os.environ
REGION = E.get("LAB_REGION", "RegionOne")

auth = v3.Password(auth_url=E["KEYSTONE_URL"], username="admin", password=E["ADMIN_PASSWORD"],
                   project_name="admin", user_domain_id="default", project_domain_id="default")
sess = ks_session.Session(auth=auth)
ks = ks_client.Client(session=sess, interface="public", region_name=REGION)

domain = ks.domains.get("default")


def one(items, what):
    if len(items) > 1:
        sys.exit("more than one %s" % what)
    return items[0] if items else None


def project(name, desc):
    p = one(ks.projects.list(name=name, domain=domain), "project " + name)
    return p or ks.projects.create(name=name, domain=domain, description=desc)


def role(name):
    r = one(ks.roles.list(name=name), "role " + name)
    return r or ks.roles.create(name=name)


def user(name, password, default_project):
    u = one(ks.users.list(name=name, domain=domain), "user " + name)
    if u:
        ks.users.update(u, password=password, default_project=default_project, enabled=True)
        return u
    return ks.users.create(name=name, domain=domain, password=password, default_project=default_project)


def grant(r, u, p):
    ks.roles.grant(r, user=u, project=p)  # idempotent (PUT)


def service(stype, name, desc):
    s = one(ks.services.list(type=stype), "service " + stype)
    return s or ks.services.create(name=name, type=stype, description=desc)


def endpoints(svc, url):
    have = {e.interface: e for e in ks.endpoints.list(service=svc, region=REGION)}
    for iface in ("public", "internal", "admin"):
        e = have.get(iface)
        if e is None:
            ks.endpoints.create(service=svc, url=url, interface=iface, region=REGION)
        elif e.url != url:
            ks.endpoints.update(e, url=url)


admin_p = one(ks.projects.list(name="admin", domain=domain), "project admin")
service_p = project("service", "lab service users")
demo_p = project("demo", "lab demo project")
r_admin, r_member, r_reader = role("admin"), role("member"), role("reader")

demo_u = user("demo", E["DEMO_PASSWORD"], demo_p)
grant(r_member, demo_u, demo_p)
glance_u = user("glance", E["GLANCE_PASSWORD"], service_p)
grant(r_admin, glance_u, service_p)
trove_u = user("trove", E["TROVE_PASSWORD"], service_p)
grant(r_admin, trove_u, service_p)
admin_u = one(ks.users.list(name="admin", domain=domain), "user admin")
# the admin also works in demo, so an admin token can see demo's instances
grant(r_admin, admin_u, demo_p)

for name, password in json.loads(E.get("LAB_SERVICE_USERS", "{}")).items():
    grant(r_admin, user(name, password, service_p), service_p)

if "LAB_ENDPOINTS" in E:
    for stype, name, url in json.loads(E["LAB_ENDPOINTS"]):
        endpoints(service(stype, name, name + " (" + stype + ")"), url)
else:
    endpoints(service("image", "glance", "Image service"), E["GLANCE_URL"])
    endpoints(service("database", "trove", "Database service"), E["TROVE_URL"])

print(json.dumps({"admin_project_id": admin_p.id, "demo_project_id": demo_p.id,
                  "service_project_id": service_p.id, "admin_user_id": admin_u.id,
                  "demo_user_id": demo_u.id}))
