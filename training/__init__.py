"""Training and evaluation of the networks in `model/` on the real MNIST dataset."""
