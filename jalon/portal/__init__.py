"""The GP portal: a referrer or GP follows their patients' pathways live and writes to the coordination."""
