-- Loads Mroonga once; INSTALL SONAME is recorded in mysql.plugin and survives restarts.
INSTALL SONAME 'ha_mroonga';
