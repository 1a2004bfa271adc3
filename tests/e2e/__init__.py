"""End-to-end tests: the real desk in a real terminal (tmux), with the real backend and real SIP peers."""
