"""The industry-credit model: frames -> features -> schema -> LightGBM -> calibrated PD and grade.

Modules: ``frames`` (input tables), ``features`` (pure feature function), ``schema`` (validated
input matrix), ``monotone`` (the one list of monotone constraints), ``grades`` (master scale),
``train``/``evaluate``/``report`` (model development), ``artifact`` (versioned model files),
``scorer`` (serving) and ``reasons`` (reason-code catalogue).
"""
