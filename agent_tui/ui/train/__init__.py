"""Trainer mode in the UI: the trainer's console (`agent-tui train`) and the desk's training calls.

`api` talks to the backend's training endpoints, `caller_process` runs a simulated caller as a child
process, `desk_training` is the desk's side of a training call (captions, progress, score card),
`app` is the trainer's console.
"""
