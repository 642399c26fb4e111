"""Reinert's descending hierarchical classification (CHD), as in IRaMuTeQ and rainette.

The method classifies text segments by their vocabulary. The segment × term matrix is
binarised (a term is present in a segment or not). All segments start in one class; the
largest class is split in two, again and again, until ``n_clusters`` classes exist or the
largest class cannot be split. Each split (rainette's ``cluster_tab``):

1. takes the class's table on the class's own terms, without its units that have none of them
   (they leave the classification from this split on), and runs a correspondence analysis (CA);
   units are ordered by their coordinate on its first axis;
2. cuts that order where the chi-squared of the 2 × terms table (the two groups' term totals)
   is largest;
3. moves single units from one group to the other while a move increases that chi-squared;
4. selects each child's terms (:func:`select_features`, rainette's ``tsj`` and ``cc_test``):
   those present in at least ``tsj`` of its units, and, for a term whose contingency coefficient
   between the two children exceeds ``cc_test``, only in the child where it is over-represented.

The chi-squared of two groups with term totals ``T1`` and ``T2`` (``c = T1 + T2``, grand
totals ``S1``, ``S2``, ``N = S1 + S2``) is the Pearson statistic of the 2 × terms table. It
reduces to::

    chi2 = (sum_j T1[j] ** 2 / c[j] - S1 ** 2 / N) * N ** 2 / (S1 * S2)

which lets the cut scan (step 2) and every candidate move (step 3) be evaluated for all
segments at once, and a move be applied by updating only the totals of the terms of the
moved segment.

Conventions
-----------
* Tree nodes: the root (all classified segments) is node 0; split ``s`` (1, 2, …) creates
  nodes ``2s - 1`` (left) and ``2s`` (right). The left child is the group with more units
  (ties: the group holding the unit that comes first in ``X``).
* Final labels ``1..k`` number the leaves in dendrogram order (depth first, left before
  right), as rainette numbers its groups; ``0`` means unclassified (a segment with no kept
  term, or one left out at a split of its class). ``Reinert.labels_at(k)`` gives the labels after ``k - 1`` splits, numbered the same way.
* The class to split is the largest one in units (ties: the first in dendrogram order, as
  rainette's list of groups); when it cannot be split (fewer than ``min_split_members`` units,
  at least 3; fewer than 3 units or terms; or no cut) the classification stops, as rainette's
  does. ``split_smaller_classes=True`` tries the next largest class instead.
* ``min_segment_size`` merges consecutive segments of a document into units as rainette's
  ``merge_segments`` does (:func:`merge_segments`, rainette's test cases reproduced).
* Results are deterministic: the only iterative part (ARPACK, for large classes) starts
  from a vector drawn from ``random_state`` (a fixed seed when it is ``None``); ties in the
  cut scan and in the moves go to the first segment in ``X``. When the first eigenvalue of a
  class's CA is repeated (groups of segments sharing no term), the axis is the projection of a
  fixed vector on its eigenspace, not LAPACK's arbitrary choice, so the tree is the same on
  every processor.

Everything above follows rainette (its test cases are reproduced in ``tests/test_reinert.py``),
with two deliberate differences: ``min_term_frequency`` (default 1: none) may drop rare terms
once before classifying, as rainette's users do with ``dfm_trim``; and the two children of a
split are numbered larger first, where rainette puts first the group on the negative side of the
CA's first axis, whose sign is arbitrary (so no implementation reproduces rainette's numbering of
the two children, only its partition).
"""

from .ca import first_axis_coordinates
from .chd import Reinert
from .double import DoubleReinert, mutually_most_associated
from .matrix import binarize, merge_segments
from .split import best_cut, reassign_segments, select_features, two_group_chi2
from .stats import characteristic_segments, class_profiles, signed_yates_chi2

__all__ = [
    "Reinert",
    "DoubleReinert",
    "binarize",
    "merge_segments",
    "first_axis_coordinates",
    "two_group_chi2",
    "best_cut",
    "reassign_segments",
    "select_features",
    "mutually_most_associated",
    "signed_yates_chi2",
    "class_profiles",
    "characteristic_segments",
]
