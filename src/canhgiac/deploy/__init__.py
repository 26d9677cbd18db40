"""What an operator installs on a server in front of the hosted course (deploy/server/).

csp    - the Content-Security-Policy of the built book: hashes of its inline scripts and styles
nginx  - the HTTPS reverse proxy's site file, from templates/nginx-site.conf
"""
