"""Deterministic data generator: `dangjian seed --scale demo|chongqing`."""
