"""dtwin's CP-SAT back-end, split by role as PyJobShop splits its solvers.

- :mod:`~dtwin.schedule.cpsat.settings`: run parameters, the search phases and their checks;
- :mod:`~dtwin.schedule.cpsat.variables`: start, end and machine-choice variables;
- :mod:`~dtwin.schedule.cpsat.constraints`: precedences, intervals, no-overlap, setups;
- :mod:`~dtwin.schedule.cpsat.objectives`: makespan, tardiness and stability terms;
- :mod:`~dtwin.schedule.cpsat.search`: phases, hints, the warm-start fallback;
- :mod:`~dtwin.schedule.cpsat.textbook`: the textbook model, the benchmarks' baseline.

:func:`dtwin.schedule.solve` (in :mod:`dtwin.schedule.solver`) assembles them.
"""
