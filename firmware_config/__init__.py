"""Putting MotCua Queue on real Raspberry Pis: broker accounts, device configs, provisioning."""
