# mysite/urls.py -- the tutorial's chat pages are not needed by the benchmark.
urlpatterns = []
