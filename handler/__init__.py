"""The TorchServe handler for MNIST and the pure functions it is built from."""
