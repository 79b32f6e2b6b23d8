"""Stand-ins for what a Trove lab cannot run here: compute and guests.

There are no VMs on the lab machine, so the parts of OpenStack that Trove
drives on a hypervisor are stood in for by processes that speak the real
protocols and keep real state:

- ``standins.compute``: one HTTP server answering the subset of the Nova
  v2.1, Cinder v3 and Neutron v2.0 REST APIs that Trove's API and
  taskmanager use, behind keystonemiddleware (tokens checked by the real
  Keystone), its state in SQLite on disk;
- ``standins.guest``: a guest agent per instance, started by the compute
  stand-in when a server boots or rebuilds: it reads the files Trove
  injected, serves Trove's guest RPC over the real RabbitMQ with
  oslo.messaging, heartbeats to the conductor and runs a real MariaDB
  server on the instance's address.

See lab/trove-standins/README.md.
"""
