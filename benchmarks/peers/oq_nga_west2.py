"""Peer values for CY14 and ASK14 from OpenQuake hazardlib (run in a SEPARATE environment that
has openquake.engine installed; never in the project's venv):

    python3 -m venv /tmp/oqvenv && /tmp/oqvenv/bin/pip install --no-deps openquake.engine
    /tmp/oqvenv/bin/pip install numpy scipy pandas h5py psutil decorator toml pyproj shapely \
        numba h3 alpha_shapes pyzmq requests pillow fiona
    /tmp/oqvenv/bin/python benchmarks/peers/oq_nga_west2.py   # from the repository root

Writes tests/data/nga_west2_openquake.csv: one row per (model, IMT, case) with the inputs, the
OpenQuake median ln(g), tau and phi, and the hazardlib version in a comment line. The cases
span M, distances, Vs30, Z1.0 (default: -999, the papers' Vs30 relation), dip, rake, Ztor and
hanging-wall geometry (Rx >= 0 on the hanging wall)."""
import itertools
from pathlib import Path

import numpy as np
import openquake.baselib
from openquake.hazardlib.gsim.abrahamson_2014 import AbrahamsonEtAl2014
from openquake.hazardlib.gsim.chiou_youngs_2014 import ChiouYoungs2014
from openquake.hazardlib.imt import PGA, SA

FIELDS = [("mag", float), ("rake", float), ("dip", float), ("ztor", float), ("width", float),
          ("rrup", float), ("rjb", float), ("rx", float), ("ry0", float), ("vs30", float),
          ("vs30measured", bool), ("z1pt0", float)]
IMTS = {"PGA": PGA(), "SA(0.3)": SA(0.3), "SA(0.6)": SA(0.6), "SA(1.0)": SA(1.0)}


def cases():
    rows = []
    # geometry cases: (rake, dip, ztor, width, rjb, rx, ry0)
    geoms = [(0.0, 90.0, 0.0, 15.0, 0.0, -1.0, 0.0), (0.0, 90.0, 2.0, 15.0, 10.0, -10.0, 0.0),
             (90.0, 45.0, 1.0, 25.0, 0.0, 5.0, 0.0),     # hanging wall above the rupture
             (90.0, 45.0, 3.0, 25.0, 12.0, 30.0, 2.0),   # hanging wall beyond the surface edge
             (90.0, 30.0, 5.0, 30.0, 20.0, -20.0, 0.0),  # footwall
             (-90.0, 60.0, 2.0, 18.0, 5.0, 8.0, 10.0),   # normal, hanging wall, off the end
             (150.0, 70.0, 8.0, 14.0, 40.0, 42.0, 0.0), (0.0, 90.0, 12.0, 10.0, 150.0, -150.0,
                                                         30.0)]
    for mag, (rake, dip, ztor, width, rjb, rx, ry0), vs30, z1 in itertools.product(
            (4.5, 5.5, 6.5, 7.5, 8.0), geoms, (250.0, 400.0, 760.0, 1100.0), (-999.0, 300.0)):
        if rx >= 0:   # hanging wall: closest point down dip
            rrup = float(np.hypot(rjb, ztor + rx * np.sin(np.radians(dip)) if rjb == 0 else
                                  ztor + width * np.sin(np.radians(dip))))
        else:
            rrup = float(np.hypot(rjb, ztor))
        rows.append((mag, rake, dip, ztor, width, rrup, rjb, rx, ry0, vs30, False, z1))
    return np.array(rows, dtype=FIELDS).view(np.recarray)


def main():
    ctx = cases()
    out = []
    for name, gsim in (("cy2014", ChiouYoungs2014()), ("ask2014", AbrahamsonEtAl2014())):
        imts = list(IMTS.values())
        n = len(ctx)
        mean, sig, tau, phi = (np.zeros((len(imts), n)) for _ in range(4))
        gsim.compute(ctx, imts, mean, sig, tau, phi)
        for k, label in enumerate(IMTS):
            for i in range(n):
                r = ctx[i]
                vals = (r.mag, r.rake, r.dip, r.ztor, r.width, r.rrup, r.rjb, r.rx, r.ry0,
                        r.vs30, r.z1pt0, mean[k, i], tau[k, i], phi[k, i])
                out.append(f"{name},{label}," + ",".join(f"{float(x):.10g}" for x in vals))
    path = Path("tests/data/nga_west2_openquake.csv")
    head = (f"# produced by benchmarks/peers/oq_nga_west2.py with openquake.hazardlib "
            f"(openquake.engine) {openquake.baselib.__version__}: ChiouYoungs2014() and "
            "AbrahamsonEtAl2014() defaults (California, Vs30 inferred); z1_m -999 = the "
            "papers' default Z1.0 from Vs30; mean_ln [ln g]\n")
    cols = ("model,imt,mag,rake,dip,ztor_km,width_km,rrup_km,rjb_km,rx_km,ry0_km,vs30,z1_m,"
            "mean_ln,tau,phi\n")
    path.write_text(head + cols + "\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(out)} rows -> {path}")


if __name__ == "__main__":
    main()
