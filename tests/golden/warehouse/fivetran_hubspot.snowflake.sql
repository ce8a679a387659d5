-- emails_sent
SELECT
  CASE
    WHEN t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.created >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.email_event AS t
WHERE
  (
    t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.type = 'SENT' AND NOT COALESCE(t.filtered_event, FALSE)
  )
GROUP BY
  1;

-- emails_delivered
SELECT
  CASE
    WHEN t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.created >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.email_event AS t
WHERE
  (
    t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.type = 'DELIVERED' AND NOT COALESCE(t.filtered_event, FALSE)
  )
GROUP BY
  1;

-- unique_opens
SELECT
  CASE
    WHEN t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.created >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.sent_by_id) AS value
FROM hubspot.email_event AS t
WHERE
  (
    t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.type = 'OPEN' AND NOT COALESCE(t.filtered_event, FALSE)
  )
GROUP BY
  1;

-- unique_clicks
SELECT
  CASE
    WHEN t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.created >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.sent_by_id) AS value
FROM hubspot.email_event AS t
WHERE
  (
    t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.type = 'CLICK' AND NOT COALESCE(t.filtered_event, FALSE)
  )
GROUP BY
  1;

-- bounces
SELECT
  CASE
    WHEN t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.created >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.email_event AS t
WHERE
  (
    t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.type = 'BOUNCE' AND NOT COALESCE(t.filtered_event, FALSE)
  )
GROUP BY
  1;

-- spam_complaints
SELECT
  CASE
    WHEN t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.created >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.email_event AS t
WHERE
  (
    t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.type = 'SPAMREPORT' AND NOT COALESCE(t.filtered_event, FALSE)
  )
GROUP BY
  1;

-- unsubscribes
SELECT
  CASE
    WHEN t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.created >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.id) AS value
FROM hubspot.email_event AS t
INNER JOIN hubspot.email_event_status_change AS j
  ON j.id = t.id
WHERE
  (
    t.created >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.created < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.type = 'STATUSCHANGE'
    AND NOT t.sent_by_id IS NULL
    AND NOT COALESCE(t.filtered_event, FALSE)
    AND j.portal_subscription_status = 'UNSUBSCRIBED'
  )
GROUP BY
  1;

-- leads_new
SELECT
  CASE
    WHEN t.property_createdate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_createdate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.property_createdate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_createdate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.contact AS t
WHERE
  (
    t.property_createdate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_createdate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND NOT COALESCE(t._fivetran_deleted, FALSE)
GROUP BY
  1;

-- mqls
SELECT
  CASE
    WHEN t.timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.contact_id) AS value
FROM hubspot.contact_property_history AS t
WHERE
  (
    t.timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.name = 'lifecyclestage' AND t.value = 'marketingqualifiedlead'
  )
GROUP BY
  1;

-- sqls
SELECT
  CASE
    WHEN t.timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.contact_id) AS value
FROM hubspot.contact_property_history AS t
WHERE
  (
    t.timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.name = 'lifecyclestage' AND t.value = 'salesqualifiedlead'
  )
GROUP BY
  1;

-- customers_new
SELECT
  CASE
    WHEN t.timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.timestamp < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.timestamp >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(DISTINCT t.contact_id) AS value
FROM hubspot.contact_property_history AS t
WHERE
  (
    t.timestamp >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.timestamp < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    t.name = 'lifecyclestage' AND t.value = 'customer'
  )
GROUP BY
  1;

-- deals_won
SELECT
  CASE
    WHEN t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.property_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.deal AS t
INNER JOIN hubspot.deal_pipeline_stage AS j
  ON j.stage_id = t.deal_pipeline_stage_id
WHERE
  (
    t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    NOT COALESCE(t.is_deleted, FALSE)
    AND NOT COALESCE(t._fivetran_deleted, FALSE)
    AND j.closed_won
  )
GROUP BY
  1;

-- revenue_won
SELECT
  CASE
    WHEN t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.property_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  SUM(t.property_amount_in_home_currency) AS value
FROM hubspot.deal AS t
INNER JOIN hubspot.deal_pipeline_stage AS j
  ON j.stage_id = t.deal_pipeline_stage_id
WHERE
  (
    t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    NOT COALESCE(t.is_deleted, FALSE)
    AND NOT COALESCE(t._fivetran_deleted, FALSE)
    AND j.closed_won
  )
GROUP BY
  1;

-- deals_lost
SELECT
  CASE
    WHEN t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.property_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.deal AS t
INNER JOIN hubspot.deal_pipeline_stage AS j
  ON j.stage_id = t.deal_pipeline_stage_id
WHERE
  (
    t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    NOT COALESCE(t.is_deleted, FALSE)
    AND NOT COALESCE(t._fivetran_deleted, FALSE)
    AND j.is_closed
    AND NOT j.closed_won
  )
GROUP BY
  1;

-- deals_won_with_source
SELECT
  CASE
    WHEN t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.property_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.deal AS t
INNER JOIN hubspot.deal_pipeline_stage AS j
  ON j.stage_id = t.deal_pipeline_stage_id
WHERE
  (
    t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    NOT COALESCE(t.is_deleted, FALSE)
    AND NOT COALESCE(t._fivetran_deleted, FALSE)
    AND j.closed_won
    AND UPPER(COALESCE(t.property_hs_analytics_source, '')) <> ''
    AND UPPER(COALESCE(t.property_hs_analytics_source, '')) <> 'OFFLINE'
  )
GROUP BY
  1;

-- revenue_attributed
SELECT
  CASE
    WHEN t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-07'
    WHEN t.property_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
    THEN '2026-08'
  END AS month,
  SUM(t.property_amount_in_home_currency) AS value
FROM hubspot.deal AS t
INNER JOIN hubspot.deal_pipeline_stage AS j
  ON j.stage_id = t.deal_pipeline_stage_id
WHERE
  (
    t.property_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMPTZ)
    AND t.property_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMPTZ)
  )
  AND (
    NOT COALESCE(t.is_deleted, FALSE)
    AND NOT COALESCE(t._fivetran_deleted, FALSE)
    AND j.closed_won
    AND UPPER(COALESCE(t.property_hs_analytics_source, '')) <> ''
    AND UPPER(COALESCE(t.property_hs_analytics_source, '')) <> 'OFFLINE'
  )
GROUP BY
  1;
