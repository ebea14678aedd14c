"""The normalisation every network's input is given: part of the input contract, so that training and
serving apply exactly the same one (MNIST's mean and standard deviation of ink in 0..1)."""

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
MNIST_BACKGROUND = -MNIST_MEAN / MNIST_STD  # a blank pixel after normalisation
