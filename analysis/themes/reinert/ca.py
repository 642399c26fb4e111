"""Correspondence analysis: the first axis of a class's table (each split) and the plane of a
contingency table (the figures)."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh
from sklearn.utils import check_random_state


_DENSE_SIDE = 400


def first_axis_coordinates(M, random_state=None) -> tuple[np.ndarray, float]:
    """Row coordinates on the first axis of the correspondence analysis of ``M``.

    The CA's axes are the singular vectors of the standardised residuals
    ``S = (P - r c') / sqrt(r c')`` with ``P = M / N`` and ``r``, ``c`` its margins. ``S`` is
    never formed: when one side is small its Gram matrix is diagonalised densely, otherwise
    ARPACK works on ``S' S`` (or ``S S'``) through sparse products.

    Parameters
    ----------
    M : sparse matrix of shape (n, p)
        Non-negative table with no empty row or column.
    random_state : int, RandomState instance or None
        Start vector of ARPACK (a fixed seed when ``None``).

    Returns
    -------
    coordinates : ndarray of shape (n,)
        Row coordinates (up to sign and scale, which do not change the order).
    singular_value : float
        The first singular value of ``S`` (0 when all rows have the same profile).
    """
    M = sparse.csr_array(M)
    n, p = M.shape
    row_totals = np.asarray(M.sum(axis=1)).ravel()
    col_totals = np.asarray(M.sum(axis=0)).ravel()
    total = row_totals.sum()
    sqrt_r = np.sqrt(row_totals / total)
    sqrt_c = np.sqrt(col_totals / total)
    # A = D_r^-1/2 P D_c^-1/2 ; S = A - sqrt_r sqrt_c'
    A = sparse.diags_array(1 / np.sqrt(row_totals)) @ M @ sparse.diags_array(1 / np.sqrt(col_totals))
    A = sparse.csr_array(A)
    on_columns = p <= n

    def s_times(x):
        return A @ x - sqrt_r * (sqrt_c @ x)

    def s_transpose_times(y):
        return A.T @ y - sqrt_c * (sqrt_r @ y)

    small = min(n, p)
    if small <= _DENSE_SIDE:
        if on_columns:
            gram = (A.T @ A).toarray() - np.outer(sqrt_c, sqrt_c)
        else:
            gram = (A @ A.T).toarray() - np.outer(sqrt_r, sqrt_r)
        values, vectors = np.linalg.eigh(gram)
        value, vector = values[-1], _canonical_first_vector(values, vectors)
    else:
        if on_columns:
            gram = LinearOperator((p, p), matvec=lambda v: s_transpose_times(s_times(v.ravel())),
                                  dtype=np.float64)
        else:
            gram = LinearOperator((n, n), matvec=lambda u: s_times(s_transpose_times(u.ravel())),
                                  dtype=np.float64)
        start = check_random_state(0 if random_state is None else random_state).uniform(-1, 1, small)
        try:
            values, vectors = eigsh(gram, k=1, which="LA", v0=start, tol=1e-8, maxiter=50 * small)
        except ArpackNoConvergence as error:  # keep the best approximation found
            if not len(error.eigenvalues):
                raise
            values, vectors = error.eigenvalues, error.eigenvectors
        value, vector = values[-1], vectors[:, -1]
    singular_value = float(np.sqrt(max(value, 0.0)))
    left = s_times(vector) if on_columns else vector
    return left / sqrt_r, singular_value


def _canonical_first_vector(values: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """The eigenvector of the largest eigenvalue, the same on every machine when that value is repeated.

    Classes with no term in common (disjoint blocks of vocabulary) make the first eigenvalue of the
    CA repeated; LAPACK then returns an arbitrary vector of its eigenspace, which changes with the
    processor and the BLAS build, and the split with it. The projection of a fixed vector on that
    eigenspace does not depend on the basis LAPACK chose.
    """
    tied = values >= values[-1] - 1e-9 * max(abs(values[-1]), 1.0)
    if tied.sum() == 1:
        return vectors[:, -1]
    basis = vectors[:, tied]
    projected = basis @ (basis.T @ np.linspace(1.0, 2.0, len(values)))
    return projected / np.linalg.norm(projected)


def correspondence_analysis(table, n_axes: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Correspondence analysis of a dense contingency table (no empty row or column).

    The singular value decomposition of the standardised residuals, as
    :func:`first_axis_coordinates` computes its first axis for a split.

    Returns
    -------
    rows, columns : ndarray of shape (n_rows, n_axes), (n_columns, n_axes)
        Principal coordinates on the first ``n_axes`` axes.
    inertia : ndarray
        Share of the total inertia of every axis.
    """
    table = np.asarray(table, dtype=np.float64)
    total = table.sum()
    row_mass, column_mass = table.sum(axis=1) / total, table.sum(axis=0) / total
    expected = np.outer(row_mass, column_mass)
    u, singular, vt = np.linalg.svd((table / total - expected) / np.sqrt(expected), full_matrices=False)
    rows = u[:, :n_axes] * singular[:n_axes] / np.sqrt(row_mass)[:, None]
    columns = vt[:n_axes].T * singular[:n_axes] / np.sqrt(column_mass)[:, None]
    return rows, columns, singular ** 2 / np.sum(singular ** 2)
