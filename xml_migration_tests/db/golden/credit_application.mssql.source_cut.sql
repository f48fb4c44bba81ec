SELECT migration.app_xml.app_id, CASE WHEN (charindex(?, migration.app_xml.xml) = ?) THEN migration.app_xml.xml END AS document, CASE WHEN (charindex(?, migration.app_xml.xml) > ?) THEN substring(migration.app_xml.xml, ?, charindex(?, migration.app_xml.xml) + ?) END AS head, CASE WHEN (charindex(?, migration.app_xml.xml) > ?) THEN right(migration.app_xml.xml, ?) END AS tail, datalength(migration.app_xml.xml) AS size 
FROM migration.app_xml 
WHERE NOT (EXISTS (SELECT ? AS anon_1 
FROM migration.processing_log 
WHERE migration.processing_log.app_id = migration.app_xml.app_id)) AND migration.app_xml.app_id >= ? AND migration.app_xml.app_id <= ? ORDER BY migration.app_xml.app_id;
-- ['</CustData>', 0, '</CustData>', 0, 1, '</CustData>', 10, '</CustData>', 0, 64, 1, 1, 1000]
