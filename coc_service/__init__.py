"""coc-service: the document-processing service behind the Certificate of Conformity shop.

Every process of the service (web, workers, the command line) does one document at a time and
scales by processes, so numerical libraries get one thread each: a multi-threaded BLAS spins on
the glyph classifiers' small matrix products and makes them several times slower (measured: a
registration page's MRZ glance 150 ms instead of 50 ms on 2 cores). Set before numpy loads;
an operator's own setting wins.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
