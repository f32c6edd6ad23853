from setuptools import setup, Extension

setup(name="fb", packages=["fb"], ext_modules=[Extension("fb._speed", sources=["fb/_speed.c"])])
