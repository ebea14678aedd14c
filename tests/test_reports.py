import torch

from training.reports import confusion_matrix


def test_confusion_matrix_rows_are_true_digits_and_columns_predictions():
    labels = torch.tensor([0, 0, 1, 7, 7, 7])
    predicted = torch.tensor([0, 6, 1, 7, 1, 7])
    matrix = confusion_matrix(labels, predicted)
    assert matrix.shape == (10, 10)
    assert matrix.sum() == 6
    assert matrix[0, 0] == 1 and matrix[0, 6] == 1 and matrix[1, 1] == 1
    assert matrix[7, 7] == 2 and matrix[7, 1] == 1
    assert matrix.trace() == 4
