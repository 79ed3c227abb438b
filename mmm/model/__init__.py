"""The model pipeline: config -> data -> PyMC model -> fit -> saved model folder.

- :mod:`~mmm.model.config`: the YAML configuration (pydantic, unknown keys refused).
- :mod:`~mmm.model.data`: the dataset and its named validation checks.
- :mod:`~mmm.model.transforms`: adstock and saturation components, one math for numpy and
  PyTensor.
- :mod:`~mmm.model.build`: scales, design and the PyMC model.
- :mod:`~mmm.model.lift_terms`: lift tests as likelihood terms on the model's response.
- :mod:`~mmm.model.fit` and :mod:`~mmm.model.nuts`: sampling and convergence checks.
- :mod:`~mmm.model.store`: model folders, written atomically and read back with checks.
- :mod:`~mmm.model.simulate`: data with known truth.
"""
