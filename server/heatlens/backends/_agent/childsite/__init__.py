"""Put first on the PYTHONPATH of a profiled target's children (see heatlens_agent_children)."""
