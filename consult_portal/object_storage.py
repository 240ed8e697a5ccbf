"""Media on S3-compatible object storage (MinIO on a government cloud) for several servers (README "Several servers").

`MEDIA_STORAGE=s3` makes this the default storage. Links to files stay the portal's own `/media/<name>`
(consult_portal/media.py decides who may see each file and streams it from the bucket), never a presigned URL a
visitor could pass on; the bucket itself stays private. Like the file system storage, a file of a transaction
that rolled back is deleted when the request ends (consult_portal/storage.py).
"""

from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from .storage import TransactionalStorageMixin

_links = FileSystemStorage()  # only for its url(): MEDIA_URL with the script prefix, as on one server


class TransactionalS3Storage(TransactionalStorageMixin, S3Storage):
    def url(self, name, *args, **kwargs):
        return _links.url(name)
