"""Building the model archive and running TorchServe instances: shared by the Makefile and the tests."""
