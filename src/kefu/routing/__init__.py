"""Queue-first routing: presence and capacity of agents, atomic assignment, overflow, sticky owners."""
