"""The guest agent stand-in (one process per instance): see agent.py."""
