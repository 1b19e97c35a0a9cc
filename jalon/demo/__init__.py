"""The demo wing: `load_demo`, its data and the synthetic region. Nothing imports it."""
