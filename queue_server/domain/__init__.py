"""The queue's rules in plain Python: no Flask, SQL or MQTT in here (DESIGN.md section 8)."""
