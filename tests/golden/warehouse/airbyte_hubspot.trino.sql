-- emails_sent
SELECT
  CASE
    WHEN t.created >= 1782856800000 AND t.created < 1785535200000
    THEN '2026-07'
    WHEN t.created >= 1785535200000 AND t.created < 1788213600000
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.email_events AS t
WHERE
  (
    t.created >= 1782856800000 AND t.created < 1788213600000
  )
  AND (
    t."type" = 'SENT' AND NOT COALESCE(t."filteredEvent", FALSE)
  )
GROUP BY
  1;

-- emails_delivered
SELECT
  CASE
    WHEN t.created >= 1782856800000 AND t.created < 1785535200000
    THEN '2026-07'
    WHEN t.created >= 1785535200000 AND t.created < 1788213600000
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.email_events AS t
WHERE
  (
    t.created >= 1782856800000 AND t.created < 1788213600000
  )
  AND (
    t."type" = 'DELIVERED' AND NOT COALESCE(t."filteredEvent", FALSE)
  )
GROUP BY
  1;

-- unique_opens
SELECT
  CASE
    WHEN t.created >= 1782856800000 AND t.created < 1785535200000
    THEN '2026-07'
    WHEN t.created >= 1785535200000 AND t.created < 1788213600000
    THEN '2026-08'
  END AS month,
  COUNT(
    DISTINCT CONCAT(
      COALESCE(CAST(t."recipient" AS VARCHAR), ''),
      COALESCE(CAST('|' AS VARCHAR), ''),
      COALESCE(CAST(t."emailCampaignId" AS VARCHAR), '')
    )
  ) AS value
FROM hubspot.email_events AS t
WHERE
  (
    t.created >= 1782856800000 AND t.created < 1788213600000
  )
  AND (
    t."type" = 'OPEN' AND NOT COALESCE(t."filteredEvent", FALSE)
  )
GROUP BY
  1;

-- unique_clicks
SELECT
  CASE
    WHEN t.created >= 1782856800000 AND t.created < 1785535200000
    THEN '2026-07'
    WHEN t.created >= 1785535200000 AND t.created < 1788213600000
    THEN '2026-08'
  END AS month,
  COUNT(
    DISTINCT CONCAT(
      COALESCE(CAST(t."recipient" AS VARCHAR), ''),
      COALESCE(CAST('|' AS VARCHAR), ''),
      COALESCE(CAST(t."emailCampaignId" AS VARCHAR), '')
    )
  ) AS value
FROM hubspot.email_events AS t
WHERE
  (
    t.created >= 1782856800000 AND t.created < 1788213600000
  )
  AND (
    t."type" = 'CLICK' AND NOT COALESCE(t."filteredEvent", FALSE)
  )
GROUP BY
  1;

-- bounces
SELECT
  CASE
    WHEN t.created >= 1782856800000 AND t.created < 1785535200000
    THEN '2026-07'
    WHEN t.created >= 1785535200000 AND t.created < 1788213600000
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.email_events AS t
WHERE
  (
    t.created >= 1782856800000 AND t.created < 1788213600000
  )
  AND (
    t."type" = 'BOUNCE' AND NOT COALESCE(t."filteredEvent", FALSE)
  )
GROUP BY
  1;

-- spam_complaints
SELECT
  CASE
    WHEN t.created >= 1782856800000 AND t.created < 1785535200000
    THEN '2026-07'
    WHEN t.created >= 1785535200000 AND t.created < 1788213600000
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.email_events AS t
WHERE
  (
    t.created >= 1782856800000 AND t.created < 1788213600000
  )
  AND (
    t."type" = 'SPAMREPORT' AND NOT COALESCE(t."filteredEvent", FALSE)
  )
GROUP BY
  1;

-- unsubscribes
SELECT
  CASE
    WHEN t.created >= 1782856800000 AND t.created < 1785535200000
    THEN '2026-07'
    WHEN t.created >= 1785535200000 AND t.created < 1788213600000
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.email_events AS t
WHERE
  (
    t.created >= 1782856800000 AND t.created < 1788213600000
  )
  AND (
    t."type" = 'STATUSCHANGE'
    AND NOT COALESCE(t."filteredEvent", FALSE)
    AND t."portalSubscriptionStatus" = 'UNSUBSCRIBED'
  )
GROUP BY
  1;

-- leads_new
SELECT
  CASE
    WHEN "t"."createdAt" >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND "t"."createdAt" < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-07'
    WHEN "t"."createdAt" >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND "t"."createdAt" < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.contacts AS t
WHERE
  (
    "t"."createdAt" >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND "t"."createdAt" < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
  )
  AND NOT COALESCE(t."archived", FALSE)
GROUP BY
  1;

-- mqls
SELECT
  CASE
    WHEN t.properties_hs_lifecyclestage_marketingqualifiedlead_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_hs_lifecyclestage_marketingqualifiedlead_date < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-07'
    WHEN t.properties_hs_lifecyclestage_marketingqualifiedlead_date >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_hs_lifecyclestage_marketingqualifiedlead_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.contacts AS t
WHERE
  (
    t.properties_hs_lifecyclestage_marketingqualifiedlead_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_hs_lifecyclestage_marketingqualifiedlead_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
  )
  AND NOT COALESCE(t."archived", FALSE)
GROUP BY
  1;

-- sqls
SELECT
  CASE
    WHEN t.properties_hs_lifecyclestage_salesqualifiedlead_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_hs_lifecyclestage_salesqualifiedlead_date < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-07'
    WHEN t.properties_hs_lifecyclestage_salesqualifiedlead_date >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_hs_lifecyclestage_salesqualifiedlead_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.contacts AS t
WHERE
  (
    t.properties_hs_lifecyclestage_salesqualifiedlead_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_hs_lifecyclestage_salesqualifiedlead_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
  )
  AND NOT COALESCE(t."archived", FALSE)
GROUP BY
  1;

-- customers_new
SELECT
  CASE
    WHEN t.properties_hs_lifecyclestage_customer_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_hs_lifecyclestage_customer_date < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-07'
    WHEN t.properties_hs_lifecyclestage_customer_date >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_hs_lifecyclestage_customer_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.contacts AS t
WHERE
  (
    t.properties_hs_lifecyclestage_customer_date >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_hs_lifecyclestage_customer_date < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
  )
  AND NOT COALESCE(t."archived", FALSE)
GROUP BY
  1;

-- deals_won
SELECT
  CASE
    WHEN t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-07'
    WHEN t.properties_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.deals AS t
WHERE
  (
    t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
  )
  AND (
    NOT COALESCE(t."archived", FALSE)
    AND LOWER(CAST(t.properties_hs_is_closed_won AS VARCHAR)) = 'true'
  )
GROUP BY
  1;

-- revenue_won
SELECT
  CASE
    WHEN t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-07'
    WHEN t.properties_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-08'
  END AS month,
  SUM(CAST(t.properties_amount_in_home_currency AS DOUBLE)) AS value
FROM hubspot.deals AS t
WHERE
  (
    t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
  )
  AND (
    NOT COALESCE(t."archived", FALSE)
    AND LOWER(CAST(t.properties_hs_is_closed_won AS VARCHAR)) = 'true'
  )
GROUP BY
  1;

-- deals_lost
SELECT
  CASE
    WHEN t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-07'
    WHEN t.properties_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.deals AS t
WHERE
  (
    t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
  )
  AND (
    NOT COALESCE(t."archived", FALSE)
    AND LOWER(CAST(t.properties_hs_is_closed AS VARCHAR)) = 'true'
    AND NOT (
      LOWER(CAST(t.properties_hs_is_closed_won AS VARCHAR)) = 'true'
    )
  )
GROUP BY
  1;

-- deals_won_with_source
SELECT
  CASE
    WHEN t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-07'
    WHEN t.properties_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-08'
  END AS month,
  COUNT(*) AS value
FROM hubspot.deals AS t
WHERE
  (
    t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
  )
  AND (
    NOT COALESCE(t."archived", FALSE)
    AND LOWER(CAST(t.properties_hs_is_closed_won AS VARCHAR)) = 'true'
    AND UPPER(COALESCE(t.properties_hs_analytics_source, '')) <> ''
    AND UPPER(COALESCE(t.properties_hs_analytics_source, '')) <> 'OFFLINE'
  )
GROUP BY
  1;

-- revenue_attributed
SELECT
  CASE
    WHEN t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-07'
    WHEN t.properties_closedate >= CAST('2026-07-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    THEN '2026-08'
  END AS month,
  SUM(CAST(t.properties_amount_in_home_currency AS DOUBLE)) AS value
FROM hubspot.deals AS t
WHERE
  (
    t.properties_closedate >= CAST('2026-06-30 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
    AND t.properties_closedate < CAST('2026-08-31 22:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)
  )
  AND (
    NOT COALESCE(t."archived", FALSE)
    AND LOWER(CAST(t.properties_hs_is_closed_won AS VARCHAR)) = 'true'
    AND UPPER(COALESCE(t.properties_hs_analytics_source, '')) <> ''
    AND UPPER(COALESCE(t.properties_hs_analytics_source, '')) <> 'OFFLINE'
  )
GROUP BY
  1;
