-- The scenario tables' own revenue is (total cost + profit) = 300만원 at 50 concurrent users,
-- i.e. 30,000원 per subscriber at 2 subscribers per concurrent user — the 기본 plan's price.
-- That, not the 500-user profitability sheet's 39,500원, is the fallback that reproduces the
-- tables being recomputed.
update cost_assumptions
set value = 30000,
    note = '사업계획서 시나리오 표의 매출(총 비용 + 순이익) 동접 50명 300만원 ÷ 구독자 100명 = 기본형 요금',
    updated_at = now()
where key = 'arpu_krw' and updated_by is null;
